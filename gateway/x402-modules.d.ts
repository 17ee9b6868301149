/**
 * Typings for the @x402 subpath imports. The packages declare them only through `exports`,
 * which `moduleResolution: node` ignores; these re-export the CommonJS typings they ship.
 * (A tsconfig `paths` mapping would also redirect tsx at run time, to the .d.ts files.)
 */
declare module '@x402/core/http' {
  export * from '@x402/core/dist/cjs/http/index';
}
declare module '@x402/core/types' {
  export * from '@x402/core/dist/cjs/types/index';
}
declare module '@x402/core/client' {
  export * from '@x402/core/dist/cjs/client/index';
}
declare module '@x402/core/facilitator' {
  export * from '@x402/core/dist/cjs/facilitator/index';
}
declare module '@x402/svm/exact/facilitator' {
  export * from '@x402/svm/dist/cjs/exact/facilitator/index';
}
declare module '@x402/svm/exact/client' {
  export * from '@x402/svm/dist/cjs/exact/client/index';
}
declare module '@x402/fetch' {
  export * from '@x402/fetch/dist/cjs/index';
}
