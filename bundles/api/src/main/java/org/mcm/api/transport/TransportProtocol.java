package org.mcm.api.transport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service property {@value Transport#PROTOCOL_PROPERTY} of a {@link Transport} component, as a Declarative
 * Services 1.4 component property type:
 *
 * <pre>
 * &#64;Component(service = Transport.class)
 * &#64;TransportProtocol("file")
 * public final class FileTransport implements Transport { ... }
 * </pre>
 *
 * The value must equal the transport's {@link Transport#protocol()}. Build time only (class retention): the
 * component description carries the property.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface TransportProtocol {

    /** With the single element's name derived from this type ({@code transport.protocol}). */
    String PREFIX_ = "mcm.";

    /** The protocol name, e.g. {@code st2110-20}. */
    String value();
}
