/**
 * The renderer's Content-Security-Policy (Electron checklist item 7). The renderer needs no
 * network at all (it talks only to the preload API, electron/ipc/contract.ts), so connect-src is
 * 'none'; images may be data: URLs because the QR codes arrive as SVG data URLs from main.
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
