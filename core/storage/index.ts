export { LocalStorage } from './local-storage.ts';
export { RoutedStorage } from './routed-storage.ts';
export { NotFoundError, type Storage, type StorageBody } from './storage.ts';
