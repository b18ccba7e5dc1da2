/**
 * `media.video_source` (SPEC section 2) as the head of a GStreamer
 * description: `test`, `v4l2:/dev/videoN`, `libcamera`, or a description
 * of the user's own, used as written.
 */
export function videoSourceDescription(source: string): string {
  // One frame of bars, repeated live by imagefreeze: drawing the bars anew 15 times a second cost
  // 0.5 % of an x86 core all day (issue 14), which no real camera does; the picture is the same.
  if (source === 'test') return 'videotestsrc num-buffers=1 pattern=smpte ! imagefreeze is-live=true';
  if (source === 'libcamera') return 'libcamerasrc';
  if (source.startsWith('v4l2:')) {
    const device = source.slice('v4l2:'.length);
    // Quoted: a by-id path may hold characters the parser splits on.
    return `v4l2src device="${device.replace(/["\\]/g, '')}"`;
  }
  return source;
}

/** The element factory a source needs, when we can tell (`devices` and errors name it). */
export function videoSourceFactory(source: string): string | undefined {
  if (source === 'test') return 'videotestsrc';
  if (source === 'libcamera') return 'libcamerasrc';
  if (source.startsWith('v4l2:')) return 'v4l2src';
  return undefined;
}
