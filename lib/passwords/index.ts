// Public surface of the password module. Keep this file free of top-level code: esbuild drops the
// modules behind unused exports, which keeps the common-password list out of the login bundle.
export { CURRENT_ALGORITHM, getDecoyHash, hashPassword } from './hash';
export {
  identifyAlgorithm,
  isCurrentHash,
  isKnownHashFormat,
  verifyPassword,
  type VerifyResult,
} from './django-hashers';
export {
  MAX_PASSWORD_LENGTH,
  passwordLength,
  validatePassword,
  type UserAttributes,
} from './validators';
