export { LocalStorage } from './local-storage.ts';
export { NotFoundError, type Storage, type StorageBody } from './storage.ts';
