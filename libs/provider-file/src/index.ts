export type { Decode, FileSourceOptions, ResourceSource, SourceError, SourceState } from './source-types.js';
export { createFileSource } from './file-source.js';
export { loadFolder, type LoadFolderOptions } from './load-folder.js';
export { FolderUnreadableError } from './source-errors.js';
export { isManifestName, isManifestPath } from './watched-files.js';
export { FileSource, makeFileSource, fileSourceLayer } from './file-source-service.js';
