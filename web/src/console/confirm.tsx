import { useEffect, useRef } from 'preact/hooks'

interface ConfirmProps {
  /** What will happen, in a sentence; the dialog is open while this is not null. */
  readonly question: string | null
  readonly action: string
  readonly onConfirm: () => void
  readonly onCancel: () => void
}

/** A modal confirmation before an irreversible act (native <dialog>: focus kept inside, Esc cancels). */
export function Confirm({ question, action, onConfirm, onCancel }: ConfirmProps) {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const element = dialog.current
    if (element === null) return
    if (question !== null && !element.open) element.showModal()
    if (question === null && element.open) element.close()
  }, [question])
  return (
    <dialog
      ref={dialog}
      aria-labelledby="confirm-question"
      data-testid="confirm-dialog"
      onCancel={onCancel}
    >
      <p id="confirm-question">{question}</p>
      <div class="actions">
        <button type="button" onClick={onCancel} data-testid="confirm-cancel">
          Cancel
        </button>
        <button type="button" class="danger" onClick={onConfirm} data-testid="confirm-ok">
          {action}
        </button>
      </div>
    </dialog>
  )
}
