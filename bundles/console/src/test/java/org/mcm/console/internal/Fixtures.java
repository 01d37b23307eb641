package org.mcm.console.internal;

import java.time.Instant;
import java.util.Map;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionState;

final class Fixtures {

    static final VideoFormat VIDEO = new VideoFormat(640, 360, new Rational(30, 1), PixelFormat.YUV422P10LE);

    private Fixtures() {
    }

    static SessionInfo session(long id, Direction dir, String transport, SessionState state, Map<String, Long> stats) {
        ConnectionSpec spec = ConnectionSpec.builder(dir, transport, VIDEO).remote(new Endpoint("127.0.0.1", 9100))
                .build();
        return new SessionInfo(id, "sdk:/127.0.0.1:5000", spec, state,
                state.isTerminal() ? "transport 'local' went away" : "", Instant.parse("2026-01-02T03:04:05Z"), stats,
                "");
    }
}
