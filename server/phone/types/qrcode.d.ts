/**
 * The part of the qrcode package the phone uses (components/QrCode.tsx). @types/qrcode pulls in
 * Node's types, which the phone app must not see; server/phone/tsconfig.json maps `qrcode` here.
 */
declare const QRCode: {
  create(
    text: string,
    options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' },
  ): { modules: { size: number; get(row: number, col: number): number | boolean } };
};
export default QRCode;
