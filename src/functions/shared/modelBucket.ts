/** The model bucket as the functions reach it: trained answer models and each owner's promoted version. */
import { createModelStore, type ModelStore } from '../../adapters/modelStore.ts';
import { modelsConfig } from '../../lib/config.ts';
import { s3Clients } from '../../lib/s3Client.ts';

/** Made once per function instance; the function's `functionConfig` names `models: modelsConfig`. */
export function openModelStore(): ModelStore {
  const { bucket, s3PathStyle } = modelsConfig();
  return createModelStore({ s3: s3Clients({ pathStyle: s3PathStyle }).s3, bucket });
}
