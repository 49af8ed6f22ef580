/**
 * Which names in the folder are manifests. Hidden names (a leading dot: `.git`, vim's `.x.swp`,
 * emacs's `.#x`, Kubernetes ConfigMap volumes' `..data`) and editor leftovers (`x.yaml~`,
 * `#x.yaml#`, vim's `4913` probe) are skipped; only `.yaml`, `.yml` and `.json` files are read.
 */

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** True for a folder or file name that is never read (hidden or an editor's temporary file). */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || (name.startsWith('#') && name.endsWith('#')) || name === '4913';
}

/** True for a file name that holds manifests. */
export function isManifestName(name: string): boolean {
  if (isIgnoredName(name)) return false;
  const lower = name.toLowerCase();
  return MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}

/** True for a path relative to the folder (`/`-separated) that is read: no hidden segment, a manifest name. */
export function isManifestPath(relPath: string): boolean {
  const parts = relPath.split('/');
  const base = parts.pop() ?? '';
  return parts.every((p) => p !== '' && !isIgnoredName(p)) && isManifestName(base);
}
