/**
 * /m/pair: the phone approval page. The QR secret is in the fragment; read it once, then drop
 * it from the address bar (and from history) before anything else runs, so it is not left
 * behind in the tab, a screenshot of the URL, or a shared link.
 */
import { createRoot } from 'react-dom/client';
import { PairPage } from './PairPage';
import { PairSession } from './pair-session';
import { t } from '../i18n';
import '../styles.css';
import './pair.css';

const fragment = window.location.hash;
// The trailing slash is deliberate: opening the next QR link (/m/pair#…) in this tab is then a
// real page load with a fresh pairing, not a fragment change on a page showing the old one.
const cleanPath = window.location.pathname.replace(/\/?$/, '/');
window.history.replaceState(null, '', cleanPath + window.location.search);

// The same path with a new fragment does not load a new page: start over cleanly, and
// clear the old screen at once so nothing stale can be pressed meanwhile.
window.addEventListener('hashchange', () => {
  if (window.location.hash.length <= 1) return;
  document.getElementById('root')?.replaceChildren();
  window.location.reload();
});

document.title = t('pair.pageTitle');

// Outside React, so a re-render (or StrictMode) never joins twice.
const session = new PairSession();
void session.start(fragment);

createRoot(document.getElementById('root')!).render(<PairPage session={session} />);
