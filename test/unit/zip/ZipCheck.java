import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Enumeration;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Third independent reader for the ZIP tests: the JDK's own ZIP code, run as a single-file
 * program (java ZipCheck.java MODE PATH). Mode "file" reads through java.util.zip.ZipFile, which
 * validates the central directory and its Zip64 extras strictly; mode "stream" reads through
 * ZipInputStream, which sees only local headers, so it checks their sizes and Zip64 extras.
 * Prints one line per entry: name, size, CRC as recorded, CRC of the bytes read.
 */
public class ZipCheck {
    public static void main(String[] arguments) throws Exception {
        String mode = arguments[0];
        String path = arguments[1];
        if (mode.equals("file")) {
            try (ZipFile archive = new ZipFile(path)) {
                Enumeration<? extends ZipEntry> entries = archive.entries();
                while (entries.hasMoreElements()) {
                    ZipEntry entry = entries.nextElement();
                    try (InputStream body = archive.getInputStream(entry)) {
                        report(entry, body);
                    }
                }
            }
        } else {
            try (ZipInputStream archive = new ZipInputStream(new BufferedInputStream(new FileInputStream(path), 1 << 20))) {
                ZipEntry entry;
                while ((entry = archive.getNextEntry()) != null) report(entry, archive);
            }
        }
    }

    private static void report(ZipEntry entry, InputStream body) throws Exception {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 20];
        long size = 0;
        int read;
        while ((read = body.read(buffer)) > 0) {
            crc.update(buffer, 0, read);
            size += read;
        }
        System.out.println(entry.getName() + "\t" + size + "\t" + entry.getCrc() + "\t" + crc.getValue());
    }
}
