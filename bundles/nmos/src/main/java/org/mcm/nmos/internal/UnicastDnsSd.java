package org.mcm.nmos.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * IS-04 discovery by unicast DNS-SD (RFC 6763 over ordinary DNS): {@code _nmos-register._tcp.<domain>} PTR records
 * name the registries' instances, their SRV and TXT records give host, port and the TXT keys checked as for mDNS.
 * Uses the JDK's DNS provider (JNDI, module {@code jdk.naming.dns}): no library needed. Asks the DNS server
 * configured ({@code host[:port]}), else the system's resolvers.
 */
final class UnicastDnsSd {

    static final String SERVICE = "_nmos-register._tcp";

    private final String domain;
    private final String server;
    private final Map<String, Discovery.Found> last = new HashMap<>();
    /** Records refused at the last query: refused again, they are not logged or counted again. */
    private final java.util.Set<String> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> refusedNow = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final LongAdder ignored = new LongAdder();
    final LongAdder queries = new LongAdder();
    volatile String lastError = "";

    /**
     * @param domain the DNS-SD domain, e.g. {@code studio.example.com}
     * @param server {@code host} or {@code host:port} of the DNS server to ask; empty: the system's resolvers
     */
    UnicastDnsSd(String domain, String server) {
        String d = domain.trim();
        this.domain = d.endsWith(".") ? d : d + ".";
        this.server = server == null ? "" : server.trim();
    }

    String domain() {
        return domain;
    }

    /** The usable registries the domain lists now; empty when it lists none. */
    List<Discovery.Found> browse() throws NamingException {
        queries.increment();
        Thread t = Thread.currentThread();
        ClassLoader was = t.getContextClassLoader();
        // JNDI loads its DNS provider through the context class loader: the JDK's, not a bundle's
        t.setContextClassLoader(ClassLoader.getSystemClassLoader());
        DirContext ctx = null;
        try {
            Hashtable<String, String> env = new Hashtable<>();
            env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
            env.put(Context.PROVIDER_URL, server.isEmpty() ? "dns:" : "dns://" + server + "/.");
            env.put("com.sun.jndi.dns.timeout.initial", "500");
            env.put("com.sun.jndi.dns.timeout.retries", "2");
            ctx = new InitialDirContext(env);
            List<Discovery.Found> out = new ArrayList<>();
            refusedNow.clear();
            for (String instance : values(ctx, SERVICE + "." + domain, "PTR")) {
                Discovery.Found f = resolve(ctx, instance);
                if (f != null) {
                    out.add(f);
                }
            }
            refused.clear();
            refused.addAll(refusedNow);
            lastError = "";
            synchronized (last) {
                // the random order among equal priorities is drawn once per record, not at every query
                List<Discovery.Found> kept = new ArrayList<>();
                Map<String, Discovery.Found> now = new HashMap<>();
                for (Discovery.Found f : out) {
                    Discovery.Found before = last.get(f.name());
                    Discovery.Found k = before != null && before.url().equals(f.url()) && before.priority() == f.priority() ? before : f;
                    kept.add(k);
                    now.put(k.name(), k);
                }
                last.clear();
                last.putAll(now);
                return kept;
            }
        } catch (NameNotFoundException e) {
            lastError = "";
            return List.of(); // the domain lists no registry
        } catch (NamingException e) {
            lastError = e.toString();
            throw e;
        } finally {
            t.setContextClassLoader(was);
            if (ctx != null) {
                try {
                    ctx.close();
                } catch (NamingException e) {
                    // nothing held
                }
            }
        }
    }

    private Discovery.Found resolve(DirContext ctx, String instance) throws NamingException {
        String name = instance.endsWith("." + SERVICE + "." + domain)
                ? instance.substring(0, instance.length() - SERVICE.length() - domain.length() - 2) : instance;
        List<String> srv;
        List<String> txt;
        try {
            srv = values(ctx, instance, "SRV");
            txt = values(ctx, instance, "TXT");
        } catch (NameNotFoundException e) {
            return refuse(name, Map.of(), null, 0);
        }
        Map<String, String> keys = new LinkedHashMap<>();
        for (String record : txt) {
            for (String item : strings(record)) {
                int eq = item.indexOf('=');
                if (eq > 0) {
                    keys.putIfAbsent(item.substring(0, eq).toLowerCase(java.util.Locale.ROOT), item.substring(eq + 1));
                }
            }
        }
        String host = null;
        int port = 0;
        if (!srv.isEmpty()) {
            String[] f = srv.get(0).trim().split("\\s+"); // priority weight port target
            if (f.length == 4) {
                try {
                    port = Integer.parseInt(f[2]);
                } catch (NumberFormatException e) {
                    port = 0;
                }
                host = address(ctx, f[3]);
            }
        }
        return refuse(name, keys, host, port);
    }

    private Discovery.Found refuse(String name, Map<String, String> keys, String host, int port) {
        Discovery.Found f = Discovery.check(name, keys, host, port, ignored, refused.contains(name));
        if (f == null) {
            refusedNow.add(name);
        }
        return f;
    }

    private static String address(DirContext ctx, String target) throws NamingException {
        String t = target.endsWith(".") ? target : target + ".";
        try {
            List<String> a = values(ctx, t, "A");
            if (!a.isEmpty()) {
                return a.get(0).trim();
            }
            List<String> aaaa = values(ctx, t, "AAAA");
            return aaaa.isEmpty() ? null : "[" + aaaa.get(0).trim() + "]";
        } catch (NameNotFoundException e) {
            return null;
        }
    }

    private static List<String> values(DirContext ctx, String name, String type) throws NamingException {
        Attributes as = ctx.getAttributes(name.endsWith(".") ? name : name + ".", new String[] {type});
        Attribute a = as.get(type);
        List<String> out = new ArrayList<>();
        if (a == null) {
            return out;
        }
        NamingEnumeration<?> e = a.getAll();
        while (e.hasMore()) {
            out.add(String.valueOf(e.next()));
        }
        return out;
    }

    /**
     * The character-strings of a TXT record as the JDK's provider gives them: separated by spaces, a string with a
     * space or a quote in it in double quotes with backslash escapes.
     */
    static List<String> strings(String record) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < record.length(); i++) {
            char c = record.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < record.length()) {
                    cur.append(record.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == ' ') {
                if (any || cur.length() > 0) {
                    out.add(cur.toString());
                }
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
            }
        }
        if (any || cur.length() > 0) {
            out.add(cur.toString());
        }
        return out;
    }
}
