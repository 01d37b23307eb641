package org.mcm.api.control;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The command-line flags of this run ({@code media_proxy -t/-g/-i/-d/--memif-dir}), which apply to the run they
 * are given for and are never stored in ConfigAdmin. A component configured by one of the flagged PIDs lays them
 * over its configuration when it activates: at start a flag wins over the stored value; once the operator changes
 * that setting while the proxy runs (Web Console, a {@code .cfg}), the stored value wins for the rest of the run,
 * also across restarts of the component's bundle.
 */
@ProviderType
public interface LaunchFlags {

    /**
     * The configuration with this run's flags for {@code pid} laid over it.
     *
     * @param pid    the configuration PID (e.g. {@code org.mcm.control.grpc})
     * @param config the component's configuration, as DS hands it over
     * @param type   the configuration's annotation type
     * @return {@code config} itself when no flag applies, else a view whose methods named like a flagged key
     *         return the flag's value
     */
    <A> A overlay(String pid, A config, Class<A> type);
}
