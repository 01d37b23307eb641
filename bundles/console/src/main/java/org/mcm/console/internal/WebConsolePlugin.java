package org.mcm.console.internal;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * A Felix Web Console plugin's registration properties ({@code felix.webconsole.label}, {@code .title},
 * {@code .category}; the names of {@code ServletConstants}) as a Declarative Services component property type.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface WebConsolePlugin {

    String PREFIX_ = "felix.webconsole.";

    /** The page's path under {@code /system/console/}. */
    String label();

    /** The tab's title. */
    String title();

    /** The menu group. */
    String category() default "MCM";
}
