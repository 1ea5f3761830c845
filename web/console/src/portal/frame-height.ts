/**
 * Tells the embedding page how tall the portal is, in the message svix-react's `AppPortal`
 * (`fullSize`) listens for, so an iframe can grow with its content instead of scrolling inside.
 * Only the height leaves the frame, so any parent may read it.
 */
export function reportHeightToParent(): void {
  if (window.parent === window) return;
  let last = 0;
  const observer = new ResizeObserver(() => {
    const height = document.documentElement.scrollHeight;
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "svix.iframe-resizer-height", payload: { height } }, "*");
  });
  observer.observe(document.documentElement);
}
