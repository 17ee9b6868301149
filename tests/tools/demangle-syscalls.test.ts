/** Symbol demangling for error messages, and the syscall list / name hashing. */
import assert from 'node:assert/strict';
import { demangle } from '../../tools/sbf/demangle';
import { hashSymbolName, isSyscall, SOLANA_SYSCALLS } from '../../tools/sbf/syscalls';

describe('tools/sbf demangle', function () {
  const cases: [string, string][] = [
    ['_ZN5hello3log17hb11949882df13928E', 'hello::log'],
    ['_ZN41_$LT$hello..AddK$u20$as$u20$hello..Op$GT$5apply17h1fb9a5e0000e91abE', '<hello::AddK as hello::Op>::apply'],
    ['_ZN4core5slice5index24slice_end_index_len_fail17h0123456789abcdefE', 'core::slice::index::slice_end_index_len_fail'],
    ['_ZN4core3ptr45drop_in_place$LT$$RF$mut$u20$$u5b$u8$u5d$$GT$17h0123456789abcdefE', 'core::ptr::drop_in_place<&mut [u8]>'],
    ['_RNvCsfgHYwM92fyn_7___rustc17rust_begin_unwind', '__rustc::rust_begin_unwind'],
    ['_RNvXs_Cs4fqI2P2rA04_5helloNtB4_4AddKNtB4_2Op5apply', '<hello::AddK as hello::Op>::apply'],
    ['_RINvCs1234_5hello3fooINtNtCsabc_4core6option6OptionyEE', 'hello::foo<core::option::Option<u64>>'],
    ['_RNvMNtCs1234_5hello1aNtB2_1S3new', '<hello::a::S>::new'],
    ['_RINvCs1234_5hello3barRShEB2_', 'hello::bar<&[u8]>'],
    ['memcpy', 'memcpy'],
    ['_ZN3bad', '_ZN3bad'],
  ];
  for (const [m, d] of cases) it(`${m} → ${d}`, () => assert.equal(demangle(m), d));
});

describe('tools/sbf syscalls', function () {
  it('hashes names like the SBPF loader (murmur3, seed 0)', function () {
    // Keys from the loader's syscall registry.
    assert.equal(hashSymbolName('abort'), 0xb6fc1a11);
    assert.equal(hashSymbolName('sol_panic_'), 0x686093bb);
    assert.equal(hashSymbolName('sol_log_'), 0x207559bd);
    assert.equal(hashSymbolName('sol_log_64_'), 0x5c2a3178);
    assert.equal(hashSymbolName('sol_sha256'), 0x11f49d86);
    assert.equal(hashSymbolName('sol_invoke_signed_c'), 0xa22b9c85);
    assert.equal(hashSymbolName('sol_set_return_data'), 0xa226d3eb);
  });
  it('knows the syscalls and nothing else', function () {
    assert.ok(SOLANA_SYSCALLS.length > 30);
    for (const s of ['sol_log_', 'sol_invoke_signed_c', 'sol_memcpy_', 'sol_get_clock_sysvar', 'abort']) assert.ok(isSyscall(s), s);
    for (const s of ['memcpy', '__multi3', 'sol_log', 'entrypoint']) assert.ok(!isSyscall(s), s);
  });
});
