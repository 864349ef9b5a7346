"""Independent reader for the ZIP tests: Python's zipfile, which parses the central directory,
Zip64 extras and end records itself. Prints JSON: every entry as zipfile sees it, the result of
testzip() (None when every CRC matched), and the SHA-256 of each member's bytes as read back
(only for members up to the hash limit, the second argument, so 4 GiB members are read just once, by testzip).
"""
import hashlib
import json
import sys
import zipfile

path = sys.argv[1]
hash_limit = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 62

with zipfile.ZipFile(path) as archive:
    entries = []
    for info in archive.infolist():
        digest = None
        if info.file_size <= hash_limit:
            try:
                with archive.open(info) as member:
                    digest = hashlib.sha256(member.read()).hexdigest()
            except zipfile.BadZipFile as error:
                digest = f"unreadable: {error}"
        entries.append({
            "name": info.filename,
            "size": info.file_size,
            "compressedSize": info.compress_size,
            "crc32": info.CRC,
            "headerOffset": info.header_offset,
            "flags": info.flag_bits,
            "versionNeeded": info.extract_version,
            "method": info.compress_type,
            "dateTime": list(info.date_time),
            "sha256": digest,
        })
    bad = archive.testzip()
print(json.dumps({"entries": entries, "testzip": bad}))
