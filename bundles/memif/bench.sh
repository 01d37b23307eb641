#!/bin/sh
# memif benchmark (harness in the test sources, not shipped): builds the test classes offline, then runs
# org.mcm.memif.bench.MemifBench on the test class path. Run from anywhere; extra args are JVM options, e.g.
#   bundles/memif/bench.sh -Dbench.measureMs=3000 -Dbench.dpdk=false
# On a shared machine wrap it in the build lock: flock /tmp/mvn.lock bundles/memif/bench.sh
set -e
here=$(cd "$(dirname "$0")" && pwd)
mvn -B -o -q -f "$here/pom.xml" test-compile dependency:build-classpath \
    -Dmdep.outputFile="$here/target/bench.classpath" -Dmdep.includeScope=test
exec java -Xms512m -Xmx512m "$@" \
    -cp "$here/target/test-classes:$here/target/classes:$(cat "$here/target/bench.classpath")" \
    org.mcm.memif.bench.MemifBench
