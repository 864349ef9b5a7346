// One run of the probe: the store, the probe's own key prefix, the rows found so far, and every
// object and multipart upload it created, so that the run removes all of them at the end.
import { ObjectStoreError } from '../../../src/s3/send';
import type { ObjectStore } from '../../../src/s3/store';
import { describeFailure, describeResponse, type RecordingStore, UnexpectedAnswer } from './answers';
import type { ProbeRow } from './report';

export interface ProbeBuckets {
  raw: string;
  processed: string;
  assets: string;
}

export interface CreatedUpload {
  bucket: string;
  key: string;
  uploadId: string;
}

export class ProbeRun {
  readonly rows: ProbeRow[] = [];
  /** Objects this run wrote (or may have written), to delete at the end. */
  readonly objects: { bucket: string; key: string }[] = [];
  /** Multipart uploads this run started and has not completed or aborted. */
  readonly uploads: CreatedUpload[] = [];
  readonly store: ObjectStore;

  constructor(
    private readonly recording: RecordingStore,
    readonly buckets: ProbeBuckets,
    /** e.g. `storage-manager-probe/3f9c…/`: everything this run writes is under it. */
    readonly prefix: string,
    private readonly secrets: readonly string[],
  ) {
    this.store = recording.store;
  }

  /** A key under the probe's prefix, recorded for deletion. */
  key(bucket: string, name: string): string {
    const key = `${this.prefix}${name}`;
    this.objects.push({ bucket, key });
    return key;
  }

  /** Forgets an upload once completed or aborted: nothing is left to abort. */
  finished(uploadId: string): void {
    const index = this.uploads.findIndex((upload) => upload.uploadId === uploadId);
    if (index >= 0) this.uploads.splice(index, 1);
  }

  /** The status of the last signed call, for a row's answer: `200`, or `200, 11 bytes`. */
  status(detail?: string): string {
    const status = this.recording.lastStatus();
    return [status ?? 'answered', detail].filter(Boolean).join(', ');
  }

  /**
   * A call the gateway cannot do without. `call` returns the row's answer, or throws (the store's
   * error, or UnexpectedAnswer for a 2xx answer that is wrong). True when it worked.
   */
  async required(label: string, call: () => Promise<string>, missing: string): Promise<boolean> {
    try {
      this.rows.push({ call: label, answer: await call(), gateway: 'ok', need: 'required', passed: true });
      return true;
    } catch (error) {
      this.rows.push({
        call: label,
        answer: describeFailure(error, this.secrets),
        gateway: `required: ${missing}`,
        need: 'required',
        passed: false,
      });
      return false;
    }
  }

  /**
   * A server-side copy, which the gateway can do without (S3_SERVER_SIDE_COPY=auto falls back to
   * streaming when the store refuses one). A copy that is answered 2xx but is wrong is no refusal:
   * the gateway would trust it, so that fails the probe.
   */
  async optional(label: string, call: () => Promise<string>, refused: string): Promise<boolean> {
    try {
      this.rows.push({ call: label, answer: await call(), gateway: 'ok', need: 'optional', passed: true });
      return true;
    } catch (error) {
      const wrong = error instanceof UnexpectedAnswer;
      this.rows.push({
        call: label,
        answer: describeFailure(error, this.secrets),
        gateway: wrong ? 'required: the copy answered 2xx but is wrong; set S3_SERVER_SIDE_COPY=never' : refused,
        need: 'optional',
        passed: !wrong,
      });
      return false;
    }
  }

  /** A call the gateway never makes, shown because stores are reported to refuse it. */
  async informational(label: string, call: () => Promise<string>, note: string): Promise<void> {
    let answer: string;
    try {
      answer = await call();
    } catch (error) {
      answer = describeFailure(error, this.secrets);
    }
    this.rows.push({ call: label, answer, gateway: note, need: 'informational', passed: true });
  }

  /**
   * A request the store must refuse (4xx), such as a presigned PUT with another size than the one
   * signed. A 2xx answer, or none, fails the probe.
   */
  async mustRefuse(label: string, request: () => Promise<Response>, accepted: string): Promise<void> {
    try {
      const response = await request();
      const answer = await describeResponse(response);
      const refused = response.status >= 400 && response.status < 500;
      this.rows.push({
        call: label,
        answer,
        gateway: refused ? 'ok: refused' : `required: ${accepted}`,
        need: 'required',
        passed: refused,
      });
    } catch (error) {
      this.rows.push({
        call: label,
        answer: describeFailure(error, this.secrets),
        gateway: `required: ${accepted}`,
        need: 'required',
        passed: false,
      });
    }
  }

  /**
   * A call that could not be made because one it depends on failed: a row answered "not run",
   * which fails the probe when the call is required (it is not a skipped check).
   */
  recordUnreached(label: string, need: ProbeRow['need'], needs: string): void {
    this.rows.push({
      call: label,
      answer: 'not run',
      gateway: `${need === 'required' ? 'required: ' : ''}needs ${needs}`,
      need,
      passed: need !== 'required',
    });
  }
}

/** Throws UnexpectedAnswer unless `condition` holds: a 2xx answer that says the wrong thing. */
export function expectAnswer(condition: boolean, answer: string): void {
  if (!condition) throw new UnexpectedAnswer(answer);
}

/** Throws the store's refusal of a presigned request unless it was answered 2xx. */
export async function expectOk(response: Response): Promise<void> {
  if (response.ok) return;
  const answer = await describeResponse(response);
  const [status, code] = answer.split(' ');
  throw new ObjectStoreError('rejected', answer, Number(status), code);
}
