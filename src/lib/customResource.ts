/**
 * The answer a CloudFormation custom resource owes its stack: a PUT of a small JSON document to the pre-signed URL
 * of the request. Hand-written: AWS's `cfn-response` module exists only for functions written inline in a template,
 * and no maintained package of this stack (Powertools included) sends it.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export async function answerStack(
  event: CloudFormationCustomResourceEvent,
  outcome:
    | { ok: true; physicalId: string; data?: Record<string, string> }
    | { ok: false; physicalId: string; reason: string },
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.ok ? 'SUCCESS' : 'FAILED',
    Reason: outcome.ok ? 'Done' : outcome.reason,
    PhysicalResourceId: outcome.physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...(outcome.ok && outcome.data ? { Data: outcome.data } : {}),
  });
  // The pre-signed URL was signed for no content type: none is sent.
  const answer = await fetch(event.ResponseURL, {
    method: 'PUT',
    body,
    headers: { 'content-type': '' },
  });
  if (!answer.ok) throw new Error(`The stack did not take the answer: ${answer.status}`);
}
