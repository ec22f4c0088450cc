/**
 * A modal confirmation before a change that cannot be undone (deciding an approval, cancelling a job): the
 * native <dialog> opened with showModal(), so focus moves into it, stays there, and Escape cancels. The
 * confirm button is disabled while the change is being sent; an error from the server is shown inside.
 */
import { type ReactNode, useEffect, useId, useRef } from 'react';
import './console-views.css';

export interface ConfirmDialogProps {
  /** Heading of the dialog: what is about to happen. */
  title: string;
  /** Text of the confirming button ("Approve", "Cancel job"). */
  confirmLabel: string;
  /** Whether the change is being sent (the buttons are disabled meanwhile). */
  busy?: boolean;
  /** What the server said when the change failed; shown as an alert in the dialog. */
  error?: string | null;
  /** False disables the confirming button only (nothing left to confirm); "Back" stays usable. Default true. */
  canConfirm?: boolean;
  /** Marks the confirming button as destructive (styling only: its label says what it does). */
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ReactNode;
}

/** Rendered only while a confirmation is asked: it opens as a modal when mounted and closes when unmounted. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { onCancel } = props;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    // Escape fires `cancel`; keep React in charge of closing.
    const cancel = (event: Event) => {
      event.preventDefault();
      onCancel();
    };
    dialog.addEventListener('cancel', cancel);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
    };
  }, [onCancel]);

  return (
    <dialog ref={ref} className="confirm-dialog" aria-labelledby={titleId}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (!props.busy && props.canConfirm !== false) props.onConfirm();
        }}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
        {props.error ? (
          <p role="alert" className="error-banner">
            {props.error}
          </p>
        ) : null}
        <div className="confirm-actions">
          <button type="button" className="button" onClick={props.onCancel} disabled={props.busy}>
            Back
          </button>
          <button
            type="submit"
            className={props.danger ? 'button button-danger' : 'button button-primary'}
            disabled={props.busy || props.canConfirm === false}
          >
            {props.busy ? 'Sending…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
