/** Keys checked at compile time: a `t('…')` with a key en.json lacks does not build. */
import 'i18next';
import type en from './en.json';

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en };
    returnNull: false;
  }
}
