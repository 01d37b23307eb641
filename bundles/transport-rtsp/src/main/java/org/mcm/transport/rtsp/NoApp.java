package org.mcm.transport.rtsp;

import java.util.concurrent.TimeUnit;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;

/** The app side of a receiver nobody is attached to: no buffers, frames dropped (and counted by the caller). */
final class NoApp {

    static final FrameSource SOURCE = new FrameSource() {
        @Override
        public Frame acquire(long timeout, TimeUnit unit) {
            return null;
        }

        @Override
        public int frameCapacity() {
            return 0;
        }
    };

    static final FrameSink SINK = f -> {
        f.release();
        return false;
    };

    private NoApp() {
    }
}
