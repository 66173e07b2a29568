/** Thumbnails tab: make thumbnails of folders and files of images (issue 5). */
export function ThumbsTab() {
  return (
    <section className="thumbs-tab" aria-label="Thumbnails">
      <h2>Thumbnails</h2>
    </section>
  );
}
