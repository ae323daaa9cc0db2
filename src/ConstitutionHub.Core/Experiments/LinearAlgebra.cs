namespace ConstitutionHub.Core.Experiments;

/// <summary>The small dense solves the fits need (a handful to 32 unknowns): no numerics package for that.</summary>
internal static class LinearAlgebra
{
    /// <summary>Gaussian elimination with partial pivoting; the systems here are a handful of unknowns.</summary>
    internal static double[] Solve(double[,] matrix, double[] right)
    {
        var n = right.Length;
        var m = (double[,])matrix.Clone();
        var r = (double[])right.Clone();
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < n; row++) if (Math.Abs(m[row, col]) > Math.Abs(m[pivot, col])) pivot = row;
            if (Math.Abs(m[pivot, col]) < 1e-300)
                throw new InvalidOperationException("The design does not identify every effect: some variant was never compared.");
            if (pivot != col)
            {
                for (var c = 0; c < n; c++) (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
                (r[col], r[pivot]) = (r[pivot], r[col]);
            }
            for (var row = col + 1; row < n; row++)
            {
                var f = m[row, col] / m[col, col];
                for (var c = col; c < n; c++) m[row, c] -= f * m[col, c];
                r[row] -= f * r[col];
            }
        }
        var result = new double[n];
        for (var row = n - 1; row >= 0; row--)
        {
            var sum = r[row];
            for (var c = row + 1; c < n; c++) sum -= m[row, c] * result[c];
            result[row] = sum / m[row, row];
        }
        return result;
    }

    internal static double[,] Inverse(double[,] matrix)
    {
        var n = matrix.GetLength(0);
        var inverse = new double[n, n];
        for (var c = 0; c < n; c++)
        {
            var unit = new double[n];
            unit[c] = 1;
            var column = Solve(matrix, unit);
            for (var r = 0; r < n; r++) inverse[r, c] = column[r];
        }
        return inverse;
    }

}
