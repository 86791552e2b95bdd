/** The DynamoDB document client: created once per function instance, traced. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { captureClient } from './tracing.ts';

export const dynamoClient = DynamoDBDocumentClient.from(captureClient(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});
