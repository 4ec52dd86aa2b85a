/**
 * Small inline icons. Decorative only (aria-hidden): the text next to each one says the same,
 * so a screen reader hears the device name, not "image".
 */
export function PhoneIcon({ size = 20 }: { size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <rect x="6" y="2.5" width="12" height="19" rx="2.5" />
      <line x1="10.5" y1="18.25" x2="13.5" y2="18.25" />
    </svg>
  );
}

/** A laptop, for sessions on a computer. */
export function ComputerIcon({ size = 20 }: { size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <rect x="4" y="5" width="16" height="11" rx="1.5" />
      <line x1="2.5" y1="19" x2="21.5" y2="19" />
    </svg>
  );
}
