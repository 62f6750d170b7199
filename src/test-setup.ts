// Client tests run in happy-dom; IndexedDB comes from fake-indexeddb so the upload queue's persistence is real.
import 'fake-indexeddb/auto'
