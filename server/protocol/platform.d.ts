/**
 * The web-platform globals the protocol may use. The protocol runs on the server and the
 * desktop (Node >= 20) and in the phone's browser, so its project has neither DOM nor Node
 * types (server/protocol/tsconfig.json): only what is declared here, each a global in both, and
 * only the members the protocol calls. Anything else is a compile error in server/protocol.
 */

interface CryptoKey {
  readonly type: 'private' | 'public' | 'secret';
  readonly extractable: boolean;
  readonly algorithm: { readonly name: string };
  readonly usages: readonly string[];
}

interface CryptoKeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

type AesGcmParams = {
  name: 'AES-GCM';
  iv: Uint8Array<ArrayBuffer>;
  additionalData?: Uint8Array<ArrayBuffer>;
};

interface SubtleCrypto {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  importKey(
    format: 'raw',
    keyData: ArrayBuffer | Uint8Array<ArrayBuffer>,
    algorithm: { name: 'AES-GCM' },
    extractable: boolean,
    keyUsages: ('encrypt' | 'decrypt')[],
  ): Promise<CryptoKey>;
  encrypt(
    algorithm: AesGcmParams,
    key: CryptoKey,
    data: Uint8Array<ArrayBuffer>,
  ): Promise<ArrayBuffer>;
  decrypt(
    algorithm: AesGcmParams,
    key: CryptoKey,
    data: Uint8Array<ArrayBuffer>,
  ): Promise<ArrayBuffer>;
}

// `var`, not `const`: globalThis.crypto must be typed too.
// eslint-disable-next-line no-var
declare var crypto: {
  readonly subtle: SubtleCrypto;
  getRandomValues<T extends Uint8Array<ArrayBuffer>>(array: T): T;
};

declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}

declare function btoa(data: string): string;
declare function atob(data: string): string;

declare class URL {
  constructor(url: string, base?: string | URL);
  readonly origin: string;
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
  readonly href: string;
  toString(): string;
}

declare class URLSearchParams {
  constructor(init?: string | Record<string, string>);
  get(name: string): string | null;
  has(name: string): boolean;
  toString(): string;
}
