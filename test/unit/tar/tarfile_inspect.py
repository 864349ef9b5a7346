"""Independent reader for the tar tests: Python's tarfile, which parses ustar headers, checks
each header's checksum and applies pax extended headers itself. Prints JSON: every member as
tarfile sees it (name, size, mtime, type, format-relevant fields) and the SHA-256 of its bytes
as read back, only for members up to the hash limit (the second argument), so an 8 GiB member
is skipped over by a seek rather than read.
"""
import hashlib
import json
import sys
import tarfile

path = sys.argv[1]
hash_limit = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 62

members = []
# errorlevel 2 and ignore_zeros False: any malformed header or checksum is an exception.
with tarfile.open(path, mode="r:", errorlevel=2) as archive:
    for info in archive:
        digest = None
        if info.isfile() and info.size <= hash_limit:
            reader = archive.extractfile(info)
            digest = hashlib.sha256(reader.read()).hexdigest()
        members.append({
            "name": info.name,
            "size": info.size,
            "mtime": info.mtime,
            "type": info.type.decode("ascii"),
            "mode": info.mode,
            "uid": info.uid,
            "gid": info.gid,
            "uname": info.uname,
            "gname": info.gname,
            "paxHeaders": info.pax_headers,
            "offsetData": info.offset_data,
            "sha256": digest,
        })
print(json.dumps({"members": members}))
