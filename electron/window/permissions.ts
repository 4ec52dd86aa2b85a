/**
 * Session permissions (Electron checklist item 5): Electron grants every permission unless told
 * otherwise. Keybridge needs none — no camera, microphone, notifications, clipboard-read,
 * geolocation, HID/USB/serial — so every request and every check is answered "no".
 */
export const denyPermissionRequest = (
  _webContents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void => callback(false);

export const denyPermissionCheck = (): boolean => false;

/** Device pickers (HID, serial, USB, Bluetooth) would otherwise reach hardware. */
export const denyDevicePermission = (): boolean => false;
