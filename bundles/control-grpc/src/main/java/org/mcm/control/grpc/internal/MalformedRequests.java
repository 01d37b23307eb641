package org.mcm.control.grpc.internal;

import java.io.InputStream;

import org.mcm.api.control.Counters;
import org.mcm.control.internal.util.LogLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;

/**
 * A request message that does not parse is the caller's error: it gets {@code INVALID_ARGUMENT}, is counted
 * ({@code grpc_malformed_requests}) and costs one log line, rate-limited per method. Without this, gRPC answers
 * {@code UNKNOWN} and logs a full stack trace for each one. The request marshaller of every method is wrapped so a
 * parse failure yields no message, which the call's listener turns into the status.
 */
final class MalformedRequests {

    private static final Logger LOG = LoggerFactory.getLogger(MalformedRequests.class);

    private MalformedRequests() {
    }

    static ServerServiceDefinition wrap(ServerServiceDefinition def, Counters counters, LogLimiter limit) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(def.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : def.getMethods()) {
            b.addMethod(wrap(m, counters, limit));
        }
        return b.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> wrap(ServerMethodDefinition<Q, R> m, Counters counters,
            LogLimiter limit) {
        MethodDescriptor<Q, R> md = m.getMethodDescriptor();
        MethodDescriptor.Marshaller<Q> requests = md.getRequestMarshaller();
        MethodDescriptor.Marshaller<Q> lenient = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(Q value) {
                return requests.stream(value);
            }

            @Override
            public Q parse(InputStream stream) {
                try {
                    return requests.parse(stream);
                } catch (RuntimeException e) {
                    return null; // the listener below answers INVALID_ARGUMENT
                }
            }
        };
        MethodDescriptor<Q, R> wrapped = md.toBuilder(lenient, md.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> inner = m.getServerCallHandler();
        ServerCallHandler<Q, R> handler = (call, headers) -> {
            ServerCall.Listener<Q> delegate = inner.startCall(call, headers);
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
                private boolean refused;

                @Override
                public void onMessage(Q message) {
                    if (refused) {
                        return;
                    }
                    if (message == null) {
                        refused = true;
                        counters.increment("grpc_malformed_requests");
                        if (limit.admit(md.getFullMethodName()) >= 0) {
                            LOG.warn("gRPC {}: malformed request message refused (INVALID_ARGUMENT)", md.getFullMethodName());
                        } else {
                            counters.increment("log_lines_held");
                        }
                        call.close(Status.INVALID_ARGUMENT.withDescription("malformed request message for "
                                + md.getFullMethodName()), new Metadata());
                        return;
                    }
                    super.onMessage(message);
                }

                @Override
                public void onHalfClose() {
                    if (!refused) {
                        super.onHalfClose();
                    }
                }
            };
        };
        return ServerMethodDefinition.create(wrapped, handler);
    }
}
