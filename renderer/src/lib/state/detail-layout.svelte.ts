/**
 * The detail pane's width and whether it is collapsed. On a laptop screen (1024 px) the list needs the
 * room: the pane starts narrower there, can be dragged wider or narrower, and collapsed to a rail. The
 * choice to collapse is remembered per browser profile; the width follows the window.
 */

/** The list keeps at least this much of the window. */
const MIN_LIST = 480;
const MIN_DETAIL = 340;
/** Share of the window the pane takes at first. */
const START_SHARE = 0.34;
const COLLAPSED_KEY = 'hindsight.detail-collapsed';

export class DetailLayout {
  width = $state(0);
  collapsed = $state(false);

  constructor(
    private readonly windowWidth: () => number,
    private readonly storage: Storage | undefined,
  ) {
    this.width = this.clamp(Math.round(windowWidth() * START_SHARE));
    this.collapsed = storage?.getItem(COLLAPSED_KEY) === '1';
  }

  clamp(width: number): number {
    return Math.max(MIN_DETAIL, Math.min(width, this.windowWidth() - MIN_LIST));
  }

  /** The window was resized: keep the list its minimum. */
  fit(): void {
    this.width = this.clamp(this.width);
  }

  toggle(): void {
    this.collapsed = !this.collapsed;
    try {
      this.storage?.setItem(COLLAPSED_KEY, this.collapsed ? '1' : '0');
    } catch {
      // Storage full or disabled: the choice lasts for this page only.
    }
  }

  /** Drag on the splitter: the pane grows as the pointer moves left. */
  startResize(e: PointerEvent): void {
    const handle = e.currentTarget as HTMLElement;
    handle.setPointerCapture(e.pointerId);
    const startX = e.clientX;
    const startWidth = this.width;
    const move = (m: PointerEvent) => (this.width = this.clamp(startWidth - (m.clientX - startX)));
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  }
}
