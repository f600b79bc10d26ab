import { randomUUID } from 'node:crypto';

/** The HTTP status EC2 answers with for the error codes the proxy can serve. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  RequestLimitExceeded: 503,
  Unavailable: 503,
  ServiceUnavailable: 503,
  InternalError: 500,
  InternalFailure: 500,
  FilterLimitExceeded: 400,
  InvalidParameterValue: 400,
  DryRunOperation: 412,
  UnauthorizedOperation: 403,
};

export function httpStatusForEc2Error(code: string): number {
  const known = STATUS_BY_CODE[code];
  if (known !== undefined) return known;
  // Unknown codes: server-side names get 500, everything else is the caller's fault as on EC2.
  return /internal|unavailable/i.test(code) ? 500 : 400;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export interface Ec2ErrorResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** An error in the shape EC2's Query API uses, which the SDK turns into a typed exception. */
export function ec2ErrorResponse(code: string, message: string, status = httpStatusForEc2Error(code)): Ec2ErrorResponse {
  const requestId = randomUUID();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors>` +
    `<RequestID>${requestId}</RequestID></Response>`;
  return {
    status,
    headers: {
      'content-type': 'text/xml;charset=UTF-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-amzn-requestid': requestId,
    },
    body,
  };
}
