/**
 * The mint's durable state in SQLite (service-kit's openStore: WAL, fsync on commit). A proof is
 * spent by inserting its Y into `spent` (primary key) in the same transaction that stores the
 * signatures it paid for, so a proof is accepted at most once: under concurrency (SQLite
 * serialises writers), across a kill -9 (the transaction committed or it did not) and after a
 * restart. Nothing here links a redeemed proof to the blinded message it was issued for: the
 * mint never sees Y or C at issuance.
 */
import { openStore, type Store } from '../service-kit/store';

export const MIGRATIONS = [
  `
  CREATE TABLE keysets (
    id TEXT PRIMARY KEY,
    idx INTEGER NOT NULL UNIQUE,
    unit TEXT NOT NULL,
    active INTEGER NOT NULL,
    input_fee_ppk INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  -- One row per spent proof. op_id names the swap/melt/redeem that spent it.
  CREATE TABLE spent (
    y TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    keyset_id TEXT NOT NULL,
    op TEXT NOT NULL,
    op_id TEXT NOT NULL
  );
  CREATE INDEX spent_op ON spent(op_id);
  -- One row per blind signature: a blinded message is signed once (NUT-09 restore reads these).
  CREATE TABLE promises (
    b_ TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    keyset_id TEXT NOT NULL,
    c_ TEXT NOT NULL,
    dleq_e TEXT NOT NULL,
    dleq_s TEXT NOT NULL,
    op_id TEXT NOT NULL,
    seq INTEGER NOT NULL
  );
  CREATE INDEX promises_op ON promises(op_id, seq);
  CREATE TABLE mint_quotes (
    id TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    unit TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('UNPAID','PAID','ISSUED')),
    paid_tx TEXT UNIQUE,
    expiry INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE melt_quotes (
    id TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    destination TEXT NOT NULL,
    amount INTEGER NOT NULL,
    fee_reserve INTEGER NOT NULL,
    unit TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('UNPAID','PENDING','PAID')),
    tx_sig TEXT,
    tx_blob TEXT,
    last_valid_height INTEGER,
    expiry INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  -- Credits the gateway took as payment: an amount and an op id, nothing about the payer.
  CREATE TABLE redemptions (
    op_id TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    change INTEGER NOT NULL
  );
  -- Money accounting: issued = minted + change; every spend is checked against it.
  CREATE TABLE totals (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  INSERT INTO totals(name, value) VALUES ('minted', 0), ('melted', 0), ('redeemed', 0);
  `,
];

export function openMintStore(path: string): Store {
  return openStore(path, MIGRATIONS);
}

export type { Store };
