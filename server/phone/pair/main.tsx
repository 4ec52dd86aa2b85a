/**
 * /m/pair: the phone approval page. The QR secret is in the fragment; read it once, then drop
 * it from the address bar (and from history) before anything else runs, so it is not left
 * behind in the tab, a screenshot of the URL, or a shared link.
 */
import { createRoot } from 'react-dom/client';
import { PairPage } from './PairPage';
import { PairSession } from './pair-session';
import '../styles.css';
import './pair.css';

const fragment = window.location.hash;
window.history.replaceState(null, '', window.location.pathname + window.location.search);

// Opening another QR link while this page is showing only changes the fragment (no new
// page load); start over cleanly so the new link gets its own pairing.
window.addEventListener('hashchange', () => {
  if (window.location.hash.length > 1) window.location.reload();
});

// Outside React, so a re-render (or StrictMode) never joins twice.
const session = new PairSession();
void session.start(fragment);

createRoot(document.getElementById('root')!).render(<PairPage session={session} />);
