using System.Buffers;
using System.Numerics;
using System.Text;

namespace LogService.Core.Entries;

/// <content>
/// Validation without materializing: <see cref="SkipValue"/> and <see cref="SkipMembers"/> accept and refuse exactly
/// what <see cref="ReadValue"/> and <see cref="ReadMembers"/> do, with the same errors in the same order, but build no
/// object, so a replica can check a draft and seal its bytes without decoding every property.
/// </content>
internal ref partial struct CanonicalReader
{
    /// <summary>Member lists up to this long keep their names on the stack and are checked pairwise, as <see cref="LogValue.FindDuplicateName"/> does.</summary>
    private const int ShortMemberList = 32;

    /// <summary>Checks one value as <see cref="ReadValue"/> would read it and moves past it.</summary>
    public void SkipValue(int depth = 0)
    {
        if (depth > MaxValueDepth)
        {
            throw Malformed("values are nested too deeply");
        }

        var kind = (LogValueKind)ReadByte();
        switch (kind)
        {
            case LogValueKind.Null:
            case LogValueKind.False:
            case LogValueKind.True:
                return;
            case LogValueKind.Number:
                var number = ReadUtf8();
                if (!JsonNumberText.IsValid(number))
                {
                    throw Malformed($"'{Encoding.UTF8.GetString(number)}' is not a JSON number");
                }

                return;
            case LogValueKind.String:
                ReadUtf8();
                return;
            case LogValueKind.Array:
                for (var count = ReadCount(); count > 0; count--)
                {
                    SkipValue(depth + 1);
                }

                return;
            case LogValueKind.Object:
                SkipMembers(depth + 1);
                return;
            default:
                throw Malformed($"unknown value tag {(byte)kind}");
        }
    }

    /// <summary>Checks a member list as <see cref="ReadMembers"/> would read it, duplicate names included, and moves past it.</summary>
    public void SkipMembers(int depth = 0)
    {
        var count = ReadCount();

        // Each name as (offset, length) into the input; the count is bounded by the input (ReadCount), so is the rental.
        int[]? rented = null;
        Span<int> names = count <= ShortMemberList ? stackalloc int[2 * ShortMemberList] : (rented = ArrayPool<int>.Shared.Rent(2 * count));
        try
        {
            for (var i = 0; i < count; i++)
            {
                var name = ReadUtf8();
                names[2 * i] = _position - name.Length;
                names[(2 * i) + 1] = name.Length;
                SkipValue(depth);
            }

            // Valid UTF-8 and UTF-16 map one to one, so equal bytes are exactly equal names.
            var duplicate = count <= ShortMemberList ? FindDuplicatePairwise(names[..(2 * count)]) : FindDuplicateHashed(names[..(2 * count)]);
            if (duplicate >= 0)
            {
                throw Malformed($"duplicate property name '{Encoding.UTF8.GetString(NameAt(names, duplicate))}'");
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The first member whose name an earlier member has, or -1; the member <see cref="LogValue.FindDuplicateName"/> names.</summary>
    private readonly int FindDuplicatePairwise(ReadOnlySpan<int> names)
    {
        for (var i = 1; i < names.Length / 2; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (NameAt(names, i).SequenceEqual(NameAt(names, j)))
                {
                    return i;
                }
            }
        }

        return -1;
    }

    /// <summary>
    /// <see cref="FindDuplicatePairwise"/> for long lists, in linear time: an open-addressed table of member indexes,
    /// filled in order, so the member found is the first that repeats a name, as with a hash set of the names.
    /// </summary>
    private readonly int FindDuplicateHashed(ReadOnlySpan<int> names)
    {
        var count = names.Length / 2;
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)count * 2);
        var table = ArrayPool<int>.Shared.Rent(size);
        try
        {
            // Slots hold member index + 1; zero is empty.
            Array.Clear(table, 0, size);
            for (var i = 0; i < count; i++)
            {
                var name = NameAt(names, i);
                var hash = new HashCode();
                hash.AddBytes(name);
                var slot = hash.ToHashCode() & (size - 1);
                while (table[slot] != 0)
                {
                    if (NameAt(names, table[slot] - 1).SequenceEqual(name))
                    {
                        return i;
                    }

                    slot = (slot + 1) & (size - 1);
                }

                table[slot] = i + 1;
            }

            return -1;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(table);
        }
    }

    private readonly ReadOnlySpan<byte> NameAt(ReadOnlySpan<int> names, int member) => _input.Slice(names[2 * member], names[(2 * member) + 1]);
}
