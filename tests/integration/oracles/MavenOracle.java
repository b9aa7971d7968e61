// Oracle for `kensa version compare Maven`: reads "A<TAB>B" lines and prints
// how Maven's own ComparableVersion (the maven-artifact jar on the class
// path) orders them. Run as: java -cp maven-artifact-3.x.jar MavenOracle.java
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            int tab = line.indexOf('\t');
            if (tab < 0) { out.write("E\n"); continue; }
            int c = new ComparableVersion(line.substring(0, tab))
                .compareTo(new ComparableVersion(line.substring(tab + 1)));
            out.write(c < 0 ? "<\n" : c > 0 ? ">\n" : "=\n");
        }
        out.flush();
    }
}
