/** The do-not-call list as the functions reach it: the stage's table through the shared DynamoDB client. */
import { blacklistConfig } from '../../lib/config.ts';
import { dynamoClient } from '../../lib/dynamoClient.ts';
import { type BlacklistService, createBlacklistService } from '../../services/blacklistService.ts';

/** Made once per function instance; the function's `functionConfig` names `blacklist: blacklistConfig`. */
export const openDoNotCallList = (): BlacklistService =>
  createBlacklistService({ dynamo: dynamoClient, tableName: blacklistConfig().blacklistTable });
