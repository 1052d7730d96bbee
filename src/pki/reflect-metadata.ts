/**
 * The minimal Reflect metadata API that @peculiar/x509 needs. Its dependency injection
 * library (tsyringe) refuses to load unless `Reflect.getMetadata` exists and asks for the
 * `reflect-metadata` package, which is not a dependency of this project. tsyringe only calls
 * `getMetadata`, `getOwnMetadata` and `defineMetadata`, so those three are provided here, and
 * only when no full polyfill is present. Import this module before `@peculiar/x509`.
 */

type MetadataKey = unknown;
type PropertyKey = string | symbol | undefined;

const store = new WeakMap<object, Map<PropertyKey, Map<MetadataKey, unknown>>>();

function own(target: object, property: PropertyKey, create: boolean): Map<MetadataKey, unknown> | undefined {
  let byProperty = store.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let values = byProperty.get(property);
  if (!values && create) {
    values = new Map();
    byProperty.set(property, values);
  }
  return values;
}

interface ReflectMetadataApi {
  getMetadata?: (key: MetadataKey, target: object, property?: PropertyKey) => unknown;
  getOwnMetadata?: (key: MetadataKey, target: object, property?: PropertyKey) => unknown;
  defineMetadata?: (key: MetadataKey, value: unknown, target: object, property?: PropertyKey) => void;
}

const reflect = Reflect as unknown as ReflectMetadataApi;
if (typeof reflect.getMetadata !== 'function') {
  reflect.defineMetadata = (key, value, target, property) => {
    own(target, property, true)?.set(key, value);
  };
  reflect.getOwnMetadata = (key, target, property) => own(target, property, false)?.get(key);
  // Like reflect-metadata: look up the prototype chain.
  reflect.getMetadata = (key, target, property) => {
    for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
      const values = own(t, property, false);
      if (values?.has(key)) return values.get(key);
    }
    return undefined;
  };
}

export {};
