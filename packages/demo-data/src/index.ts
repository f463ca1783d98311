export type { AttributeValue } from './categories.ts';
export {
  DEMO_PRODUCT_COUNT,
  DEMO_SEED,
  type DemoCategory,
  type DemoProduct,
  demoCategories,
  type GenerateOptions,
  generateProducts,
  productImagePath,
  seedTag,
  slugify,
} from './generate.ts';
export { createRandom, type Random } from './random.ts';
