package org.mcm.api.codec;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service property {@value Codec#NAME_PROPERTY} of a {@link Codec} component, as a Declarative Services 1.4
 * component property type: {@code @Component(service = Codec.class) @CodecName("jpegxs")}. The value must equal
 * the codec's {@link Codec#name()}. Build time only (class retention).
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface CodecName {

    /** With the single element's name derived from this type ({@code codec.name}). */
    String PREFIX_ = "mcm.";

    /** The codec name, e.g. {@code jpegxs}. */
    String value();
}
