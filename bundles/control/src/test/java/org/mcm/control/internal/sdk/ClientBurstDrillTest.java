package org.mcm.control.internal.sdk;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.session.SessionInfo;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.mcm.control.internal.sessions.SessionManagerImpl;
import org.mcm.control.internal.testing.Fakes;

/**
 * Fault drill (issue 17): a burst of 1,000 SDK clients connecting at once, each asking for an ST 2110-20 session,
 * against the real SDK server, session manager and link registry (the transport and app links are fakes). The
 * proxy serves what its limits allow and refuses the rest; once the clients are gone every session has ended, every
 * app link is closed, and the process is back to its baseline: file descriptors, threads serving clients, heap and
 * direct memory.
 */
@Timeout(120)
class ClientBurstDrillTest {

    static final int CLIENTS = 1000;

    @TempDir
    Path tmp;

    final ProxyCounters counters = new ProxyCounters();
    final SessionManagerImpl mgr = new SessionManagerImpl(counters);
    final AppLinkRegistry registry = new AppLinkRegistry();
    final AtomicInteger linksOpened = new AtomicInteger();
    final AtomicInteger linksClosed = new AtomicInteger();
    SdkServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.deactivate();
        }
    }

    static int fds() throws IOException {
        try (var l = Files.list(Path.of("/proc/self/fd"))) {
            return (int) l.count();
        }
    }

    /** Threads inside an SDK connection handler (not idle pool workers waiting for the next connection). */
    static int threadsServingClients() {
        int n = 0;
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement f : e.getValue()) {
                if (f.getClassName().equals(SdkClientHandler.class.getName())) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    static long threadsOtherThanIdleClientWorkers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().startsWith("mcm-sdk-client-")).count()
                + threadsServingClients();
    }

    static long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long directUsed() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** One client's whole life: connect, ask for a session, read the answer; "served", "refused-0" or "closed". */
    String client(int port, List<Socket> keep) {
        try {
            Socket s = new Socket();
            keep.add(s);
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(SdkHardeningTest.createSt20());
            byte[] r = s.getInputStream().readNBytes(4);
            if (r.length < 4) {
                return "closed";
            }
            return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt() != 0 ? "served" : "refused-0";
        } catch (SocketTimeoutException e) {
            return "no answer";
        } catch (IOException e) {
            return "closed"; // refused by a reset
        }
    }

    @Test
    void aBurstOfAThousandClientsIsServedOrRefusedAndLeavesNothingBehind() throws Exception {
        mgr.activate(Fakes.config(SessionManagerImpl.Config.class, Map.of()), Map.of());
        mgr.bindTransport(Fakes.transport("st2110-20", "fake"), null);
        mgr.bindListener(registry);
        Map<String, Object> v = new HashMap<>();
        v.put("port", 0);
        v.put("bindAddress", "127.0.0.1");
        v.put("memifDir", tmp.toString());
        v.put("trustedNetworks", new String[] {"127.0.0.1/32"});
        server = new SdkServer();
        server.sessions = mgr;
        server.counters = counters;
        server.registry = registry;
        server.bindAppLinks(Fakes.appLinks("fake", r -> linksOpened.incrementAndGet(), (r, reason) -> linksClosed.incrementAndGet()));
        server.activate(SdkAuthTest.config(v));
        int port = server.localPort();

        // warm up (classes, the pool's first worker), then the baseline
        List<Socket> warm = new ArrayList<>();
        assertEquals("served", client(port, warm));
        warm.get(0).close();
        await().atMost(Duration.ofSeconds(5)).until(() -> threadsServingClients() == 0 && linksClosed.get() == 1);
        int fds0 = fds();
        long threads0 = threadsOtherThanIdleClientWorkers();
        long heap0 = heapUsedAfterGc();
        long direct0 = directUsed();

        // the burst: all clients connect and ask at once, each from a thread of its own
        List<Socket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, AtomicInteger> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                outcomes.computeIfAbsent(client(port, sockets), k -> new AtomicInteger()).incrementAndGet();
            }, "burst-client-" + i);
            t.setDaemon(true);
            clients.add(t);
            t.start();
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread t : clients) {
            t.join(60_000);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        int peakSessions = (int) mgr.list().stream().filter(s -> !s.state().isTerminal()).count();
        System.out.println("client burst: " + CLIENTS + " clients in " + ms + " ms: " + outcomes + ", sessions open at the end "
                + peakSessions + ", links opened " + (linksOpened.get() - 1));
        assertEquals(CLIENTS, outcomes.values().stream().mapToInt(AtomicInteger::get).sum(), "every client finished");
        assertEquals(null, outcomes.get("no answer"), "no client is left without an answer: " + outcomes);
        int served = outcomes.getOrDefault("served", new AtomicInteger()).get();
        assertTrue(served >= 1 && served <= 256, "served within the limits (256 clients, 256 sessions): " + outcomes);
        assertEquals(served, peakSessions, "one session per served client");

        // the clients go: everything they held is given back
        for (Socket s : sockets) {
            s.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> mgr.list().stream().allMatch(s -> s.state().isTerminal()));
        await().atMost(Duration.ofSeconds(10)).until(() -> linksClosed.get() == linksOpened.get());
        await().atMost(Duration.ofSeconds(10)).until(() -> threadsServingClients() == 0);
        await("fds back to " + fds0).atMost(Duration.ofSeconds(10)).until(() -> fds() <= fds0 + 2);
        long heap1 = heapUsedAfterGc();
        long direct1 = directUsed();
        System.out.printf("client burst: fds %d -> %d, threads (not idle pool workers) %d -> %d, heap %.1f -> %.1f MiB, "
                + "direct %d -> %d bytes%n", fds0, fds(), threads0, threadsOtherThanIdleClientWorkers(), heap0 / 1048576.0,
                heap1 / 1048576.0, direct0, direct1);
        assertTrue(heap1 <= heap0 + (16 << 20), "heap back to its baseline (+16 MiB): " + heap0 + " -> " + heap1);
        assertTrue(direct1 <= direct0 + (1 << 20), "direct memory back to its baseline: " + direct0 + " -> " + direct1);
        for (SessionInfo s : mgr.list()) {
            assertTrue(s.state().isTerminal(), s.toString());
        }
    }
}
