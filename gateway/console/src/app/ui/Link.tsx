/**
 * A link inside the console: a real `<a href>` (open in a new tab, copy, keyboard all work) that navigates
 * through the History API on a plain click.
 */
import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from 'react';
import { href, useNavigate } from '../router.ts';

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  /** An app path: '/traces/42', '/traces?tool=x'. */
  to: string;
  children: ReactNode;
}

export function Link({ to, children, onClick, ...rest }: LinkProps) {
  const navigate = useNavigate();
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={href(to)} onClick={follow} {...rest}>
      {children}
    </a>
  );
}
