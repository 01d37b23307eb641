package org.mcm.transport.st2110;

import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.transport.TransportContext;

/** Settings, frame pools and an app-side context for running the transports outside OSGi. */
final class TestSupport {

    private TestSupport() {
    }

    static Settings settings(String pacing) {
        return settings(pacing, "127.0.0.1");
    }

    static Settings settings(String pacing, String ip) {
        return settings(pacing, ip, "auto");
    }

    static Settings settings(String pacing, String ip, String fastPath) {
        return settings(pacing, ip, fastPath, true);
    }

    static Settings settings(String pacing, String ip, String fastPath, boolean receiveOffload) {
        return new Settings() {
            @Override
            public String fastPath() {
                return fastPath;
            }

            @Override
            public boolean receiveOffload() {
                return receiveOffload;
            }

            @Override
            public String device() {
                return "";
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return Settings.class;
            }

            @Override
            public int maxUdpPayload() {
                return 1400;
            }

            @Override
            public String pacing() {
                return pacing;
            }

            @Override
            public int socketBuffer() {
                return 64 << 20;
            }

            @Override
            public int multicastTtl() {
                return 1;
            }

            @Override
            public int txQueueFrames() {
                return 8;
            }

            @Override
            public String txLate() {
                return "catchup";
            }

            @Override
            public String ip() {
                return ip;
            }

            @Override
            public long maxFrameMiB() {
                return 256;
            }

            @Override
            public long maxSessionMemoryMiB() {
                return 1024;
            }

            @Override
            public long maxMemoryMiB() {
                return 4096;
            }
        };
    }

    /** The settings with other memory limits (MiB). */
    static Settings withMemoryLimits(Settings s, long frame, long session, long total) {
        return (Settings) java.lang.reflect.Proxy.newProxyInstance(Settings.class.getClassLoader(),
                new Class<?>[] {Settings.class}, (p, m, args) -> switch (m.getName()) {
                    case "maxFrameMiB" -> frame;
                    case "maxSessionMemoryMiB" -> session;
                    case "maxMemoryMiB" -> total;
                    default -> m.invoke(s, args);
                });
    }

    /** The receiving app: a pool of direct buffers and a queue of delivered frames. */
    static final class App implements TransportContext {
        final BlockingQueue<Frame> free;
        final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
        final int capacity;
        volatile String failure;

        App(int frames, int capacity) {
            this.capacity = capacity;
            free = new ArrayBlockingQueue<>(frames);
            for (int i = 0; i < frames; i++) {
                free.add(new HeapFrame(ByteBuffer.allocateDirect(capacity), f -> free.add(rewrap(f))));
            }
        }

        private HeapFrame rewrap(HeapFrame f) {
            return new HeapFrame(f.data(), g -> free.add(rewrap(g)));
        }

        @Override
        public long sessionId() {
            return 1;
        }

        @Override
        public FrameSource frameSource() {
            return new FrameSource() {
                @Override
                public Frame acquire(long timeout, TimeUnit unit) throws InterruptedException {
                    return free.poll(timeout, unit);
                }

                @Override
                public int frameCapacity() {
                    return capacity;
                }
            };
        }

        @Override
        public FrameSink output() {
            return received::add;
        }

        @Override
        public void failed(String reason) {
            failure = reason;
        }

        /** Takes the next frame's bytes and gives the buffer back. */
        byte[] take(long timeoutMs) throws InterruptedException {
            Frame f = received.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (f == null) {
                return null;
            }
            byte[] b = new byte[f.length()];
            f.data().get(0, b);
            f.release();
            return b;
        }
    }

    /** A sender-side context (no app attached on the receive side). */
    static TransportContext txContext() {
        return new TransportContext() {
            @Override
            public long sessionId() {
                return 2;
            }

            @Override
            public FrameSource frameSource() {
                return null;
            }

            @Override
            public FrameSink output() {
                return null;
            }

            @Override
            public void failed(String reason) {
                throw new AssertionError("transport failed: " + reason);
            }
        };
    }

    static Frame frameOf(byte[] content) {
        ByteBuffer b = ByteBuffer.allocateDirect(content.length);
        b.put(0, content);
        HeapFrame f = new HeapFrame(b, null);
        f.length(content.length);
        return f;
    }
}
