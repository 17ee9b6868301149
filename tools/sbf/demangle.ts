/**
 * Rust symbol demangling for error messages: legacy (`_ZN…E`) and v0 (`_R…`) manglings, without
 * hashes or crate disambiguators. Returns the input unchanged when it is not a Rust symbol or
 * uses a construct this small demangler does not know.
 */
export function demangle(sym: string): string {
  try {
    if (sym.startsWith('_ZN')) return demangleLegacy(sym);
    if (sym.startsWith('_R')) return new V0(sym.slice(2).replace(/\.llvm\.\d+$/, '')).symbol();
  } catch {
    // fall through: show the raw name
  }
  return sym;
}

const LEGACY_ESCAPES: Record<string, string> = {
  SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
};

function demangleLegacy(sym: string): string {
  let i = 3;
  const parts: string[] = [];
  while (i < sym.length && sym[i] !== 'E') {
    const m = /^\d+/.exec(sym.slice(i));
    if (!m) throw new Error('bad legacy symbol');
    const len = Number(m[0]);
    i += m[0].length;
    parts.push(sym.slice(i, i + len));
    i += len;
  }
  if (sym[i] !== 'E') throw new Error('unterminated legacy symbol');
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts.map(unescapeLegacy).join('::');
}

function unescapeLegacy(part: string): string {
  let s = part.startsWith('_$') ? part.slice(1) : part;
  s = s.replace(/\$([A-Za-z0-9]+)\$/g, (all, code: string) => {
    if (code in LEGACY_ESCAPES) return LEGACY_ESCAPES[code];
    if (/^u[0-9a-f]+$/.test(code)) return String.fromCodePoint(parseInt(code.slice(1), 16));
    return all;
  });
  return s.replace(/\.\./g, '::');
}

const BASIC: Record<string, string> = {
  a: 'i8', b: 'bool', c: 'char', d: 'f64', e: 'str', f: 'f32', h: 'u8', i: 'isize', j: 'usize',
  l: 'i32', m: 'u32', n: 'i128', o: 'u128', s: 'i16', t: 'u16', u: '()', v: '...', x: 'i64',
  y: 'u64', z: '!', p: '_',
};

/** A recursive-descent v0 demangler (RFC 2603), printing as it parses. */
class V0 {
  private pos = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  symbol(): string {
    if (/^\d/.test(this.s)) this.decimal(); // encoding version
    const out = this.path(false);
    // An instantiating crate / vendor suffix may follow: not shown.
    return out;
  }

  private peek(): string {
    return this.s[this.pos] ?? '';
  }
  private next(): string {
    const c = this.s[this.pos++];
    if (c === undefined) throw new Error('eof');
    return c;
  }
  private eat(c: string): boolean {
    if (this.peek() === c) {
      this.pos++;
      return true;
    }
    return false;
  }
  private decimal(): number {
    const m = /^\d+/.exec(this.s.slice(this.pos));
    if (!m) throw new Error('decimal expected');
    this.pos += m[0].length;
    return Number(m[0]);
  }
  private base62(): number {
    if (this.eat('_')) return 0;
    let x = 0;
    for (;;) {
      const c = this.next();
      if (c === '_') return x + 1;
      const d = /[0-9]/.test(c) ? c.charCodeAt(0) - 48 : /[a-z]/.test(c) ? c.charCodeAt(0) - 87 : /[A-Z]/.test(c) ? c.charCodeAt(0) - 29 : -1;
      if (d < 0) throw new Error('base62');
      x = x * 62 + d;
    }
  }
  private optDisambiguator(): void {
    if (this.eat('s')) this.base62();
  }
  private ident(): string {
    const punycode = this.eat('u');
    const len = this.decimal();
    this.eat('_');
    const id = this.s.slice(this.pos, this.pos + len);
    this.pos += len;
    return punycode ? `punycode{${id}}` : id;
  }
  private backref<T>(f: () => T): T {
    const start = this.pos - 1;
    const target = this.base62();
    if (target >= start) throw new Error('forward backref');
    if (++this.depth > 64) throw new Error('backref depth');
    const saved = this.pos;
    this.pos = target;
    try {
      return f();
    } finally {
      this.pos = saved;
      this.depth--;
    }
  }

  private path(inValue: boolean): string {
    const tag = this.next();
    switch (tag) {
      case 'C': {
        this.optDisambiguator();
        return this.ident();
      }
      case 'N': {
        const ns = this.next();
        const parent = this.path(inValue);
        this.optDisambiguator();
        const name = this.ident();
        if (/[A-Z]/.test(ns)) {
          const kind = ns === 'C' ? 'closure' : ns === 'S' ? 'shim' : ns;
          return `${parent}::{${kind}${name ? `:${name}` : ''}}`;
        }
        return name ? `${parent}::${name}` : parent;
      }
      case 'M': {
        this.optDisambiguator();
        this.path(false); // impl path: not printed
        return `<${this.type()}>`;
      }
      case 'X': {
        this.optDisambiguator();
        this.path(false);
        const self = this.type();
        return `<${self} as ${this.path(false)}>`;
      }
      case 'Y': {
        const self = this.type();
        return `<${self} as ${this.path(false)}>`;
      }
      case 'I': {
        const base = this.path(inValue);
        const args: string[] = [];
        while (!this.eat('E')) args.push(this.genericArg());
        const shown = args.filter((a) => a !== "'_");
        return shown.length ? `${base}${inValue ? '::' : ''}<${shown.join(', ')}>` : base;
      }
      case 'B':
        return this.backref(() => this.path(inValue));
      default:
        throw new Error(`path tag ${tag}`);
    }
  }

  private genericArg(): string {
    if (this.eat('L')) {
      this.base62();
      return "'_";
    }
    if (this.eat('K')) return this.constant();
    return this.type();
  }

  private constant(): string {
    if (this.eat('B')) return this.backref(() => this.constant());
    if (this.eat('p')) return '_';
    const ty = this.next();
    if (!(ty in BASIC)) throw new Error('const type');
    const neg = this.eat('n');
    const start = this.pos;
    while (this.peek() !== '_') this.next();
    const hex = this.s.slice(start, this.pos);
    this.next();
    if (ty === 'b') return hex === '1' ? 'true' : 'false';
    return `${neg ? '-' : ''}${hex ? BigInt('0x' + hex).toString() : '0'}`;
  }

  private type(): string {
    const c = this.peek();
    if (c in BASIC) {
      this.pos++;
      return BASIC[c];
    }
    this.pos++;
    switch (c) {
      case 'R':
      case 'Q': {
        if (this.eat('L')) this.base62();
        return `&${c === 'Q' ? 'mut ' : ''}${this.type()}`;
      }
      case 'P':
        return `*const ${this.type()}`;
      case 'O':
        return `*mut ${this.type()}`;
      case 'A': {
        const t = this.type();
        return `[${t}; ${this.constant()}]`;
      }
      case 'S':
        return `[${this.type()}]`;
      case 'T': {
        const ts: string[] = [];
        while (!this.eat('E')) ts.push(this.type());
        return ts.length === 1 ? `(${ts[0]},)` : `(${ts.join(', ')})`;
      }
      case 'F': {
        if (this.eat('G')) this.base62();
        const unsafe = this.eat('U');
        let abi = '';
        if (this.eat('K')) abi = this.eat('C') ? 'C' : this.ident().replace(/_/g, '-');
        const args: string[] = [];
        while (!this.eat('E')) args.push(this.type());
        const ret = this.type();
        return `${unsafe ? 'unsafe ' : ''}${abi ? `extern "${abi}" ` : ''}fn(${args.join(', ')})${ret === '()' ? '' : ` -> ${ret}`}`;
      }
      case 'D': {
        if (this.eat('G')) this.base62();
        const traits: string[] = [];
        while (!this.eat('E')) {
          let t = this.path(false);
          const assoc: string[] = [];
          while (this.eat('p')) {
            const name = this.ident();
            assoc.push(`${name} = ${this.type()}`);
          }
          if (assoc.length) t = t.endsWith('>') ? `${t.slice(0, -1)}, ${assoc.join(', ')}>` : `${t}<${assoc.join(', ')}>`;
          traits.push(t);
        }
        if (this.eat('L')) this.base62();
        return `dyn ${traits.join(' + ')}`;
      }
      case 'B':
        return this.backref(() => this.type());
      default:
        this.pos--;
        return this.path(false);
    }
  }
}
