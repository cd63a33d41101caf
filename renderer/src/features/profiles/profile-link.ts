/**
 * Shared profile links opened in this window: the web form `<ui url>#profile=<payload>` (profileShareUrl)
 * arrives as the page's fragment, either when the page loads (`#token=…&profile=…`) or when a link is
 * pasted into the address bar of an open tab (the fragment changes, the page stays). Each link is handed
 * over once, and the fragment is put back to the token alone so a reload does not offer it again.
 */
import { SHARE_FRAGMENT_KEY } from '../../../../electron/common/profile-share';
import { tokenFromFragment } from '../../lib/api/connect';

function profilePart(hash: string): string | undefined {
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (part.startsWith(`${SHARE_FRAGMENT_KEY}=`)) return part.slice(SHARE_FRAGMENT_KEY.length + 1);
  }
  return undefined;
}

export function watchProfileLinks(win: Window, onLink: (link: string) => void): () => void {
  const token = tokenFromFragment(win.location.hash);
  const check = () => {
    const payload = profilePart(win.location.hash);
    if (!payload) return;
    const clean = `${win.location.pathname}${win.location.search}${token ? `#token=${token}` : ''}`;
    win.history.replaceState(win.history.state, '', clean);
    onLink(`#${SHARE_FRAGMENT_KEY}=${payload}`);
  };
  check();
  win.addEventListener('hashchange', check);
  return () => win.removeEventListener('hashchange', check);
}
