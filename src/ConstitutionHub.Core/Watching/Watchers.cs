namespace ConstitutionHub.Core.Watching;

/// <summary>
/// Who watches what, as SQL: the one definition the notification projection and the Read page's watch buttons share.
/// Each query reads its target from a one-row relation <c>t(c uuid, a uuid, s text[], h text[])</c>: the constitution,
/// the thread (annotation), the sections a revision changed, and handles mentioned. A person watches by default their
/// own constitutions and the threads they wrote in, until they stop watching them; everything else they watch by
/// choice (<see cref="WatchStarted"/>).
/// </summary>
internal static class Watchers
{
    public const string OfConstitution = """
        select w.person_id from watches w, t where w.kind = 'Constitution' and w.constitution_id = t.c and w.target = '' and w.watching
        union
        select c.owner_id from constitutions c, t where c.id = t.c and not exists (
            select 1 from watches w where w.person_id = c.owner_id and w.kind = 'Constitution' and w.constitution_id = t.c and w.target = ''
            and not w.watching)
        """;

    public const string OfSections = """
        select w.person_id from watches w, t where w.kind = 'Section' and w.constitution_id = t.c and w.target = any(t.s) and w.watching
        """;

    public const string OfThread = """
        select w.person_id from watches w, t where w.kind = 'Thread' and w.target = replace(t.a::text, '-', '') and w.watching
        union
        select m.author_id from annotation_comments m, t where m.annotation_id = t.a and not exists (
            select 1 from watches w where w.person_id = m.author_id and w.kind = 'Thread' and w.target = replace(t.a::text, '-', '')
            and not w.watching)
        """;

    public const string Mentioned = "select p.id as person_id from people p, t where p.handle = any(t.h)";

    /// <summary>The query of who watches a target of <paramref name="kind"/>.</summary>
    public static string Of(WatchKind kind) => kind switch
    {
        WatchKind.Constitution => OfConstitution,
        WatchKind.Section => OfSections,
        _ => OfThread,
    };
}
