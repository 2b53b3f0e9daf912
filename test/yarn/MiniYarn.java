// A one-node YARN (ResourceManager + NodeManager) for test/yarn: Hadoop's
// MiniYARNCluster with enough memory for an ApplicationMaster and two small
// executors, no memory checks (the host is shared), the local file system
// as the staging area.  Writes the client's yarn-site.xml into args[0]
// once the ResourceManager listens, then runs until killed.
import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;

import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

public class MiniYarn {
    public static void main(String[] args) throws Exception {
        YarnConfiguration conf = new YarnConfiguration();
        conf.setInt("yarn.nodemanager.resource.memory-mb", 6144);
        conf.setInt("yarn.nodemanager.resource.cpu-vcores", 4);
        conf.setInt("yarn.scheduler.minimum-allocation-mb", 256);
        conf.setBoolean("yarn.nodemanager.pmem-check-enabled", false);
        conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
        // a full disk on a build machine must not mark the node unhealthy
        conf.setFloat("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", 100f);
        conf.set("fs.defaultFS", "file:///");
        MiniYARNCluster cluster = new MiniYARNCluster("jxa", 1, 1, 1);
        cluster.init(conf);
        cluster.start();
        // The RM's port is known only once it is bound.
        while (cluster.getConfig().get("yarn.resourcemanager.address", ":0").endsWith(":0")) {
            Thread.sleep(100);
        }
        File tmp = new File(args[0], "yarn-site.xml.tmp");
        try (OutputStream out = new FileOutputStream(tmp)) {
            cluster.getConfig().writeXml(out);
        }
        if (!tmp.renameTo(new File(args[0], "yarn-site.xml"))) {
            throw new IllegalStateException("cannot rename " + tmp);
        }
        System.out.println("MiniYarn: ResourceManager at " + cluster.getConfig().get("yarn.resourcemanager.address"));
        Thread.sleep(Long.MAX_VALUE);
    }
}
