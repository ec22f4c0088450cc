/** The top of a view: its one <h1>, an optional line under it, and its actions (buttons, toggles) on the right. */
import type { ReactNode } from 'react';

export function ViewHeader({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="view-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="view-subtitle">{subtitle}</p> : null}
      </div>
      {children ? <div className="view-actions">{children}</div> : null}
    </div>
  );
}
