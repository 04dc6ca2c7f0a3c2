import { PLACEHOLDER } from '@rcp/contracts';
console.log(PLACEHOLDER);
