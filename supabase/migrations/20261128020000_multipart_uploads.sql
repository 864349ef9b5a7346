-- Large uploads go to S3 as multipart uploads (S3 API: CreateMultipartUpload). The gateway keeps
-- the upload id and part size with the submission, so any later call (sign parts, list, complete,
-- abort) works from the submission alone, and only its owner can reach it.

alter table public.submissions
  add column multipart_upload_id text,
  add column part_size bigint check (part_size > 0);

-- Records the S3 upload id on the caller's own pending submission, once.
create function gateway.attach_multipart_upload(submission_id uuid, upload_id text, chosen_part_size bigint)
returns setof public.submissions
language sql volatile security definer set search_path = '' as $$
  update public.submissions
     set multipart_upload_id = upload_id, part_size = chosen_part_size
   where id = submission_id and contributor_id = auth.uid() and status = 'pending' and multipart_upload_id is null
  returning *
$$;

-- The owner gives up a pending upload; the gateway has aborted it in S3 first.
create function gateway.abort_submission(submission_id uuid)
returns setof public.submissions
language sql volatile security definer set search_path = '' as $$
  update public.submissions
     set status = 'aborted'
   where id = submission_id and contributor_id = auth.uid() and status = 'pending'
  returning *
$$;

revoke all on function gateway.attach_multipart_upload(uuid, text, bigint), gateway.abort_submission(uuid) from public;
grant execute on function gateway.attach_multipart_upload(uuid, text, bigint), gateway.abort_submission(uuid) to authenticated, service_role;
